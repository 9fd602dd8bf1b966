package wizard

import (
	"context"
	"strings"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"

	"github.com/systembruker/systembruker/flows"
)

// jobSeq numbers jobs across screens, so a result that arrives after its
// job was cancelled (and maybe another started) is recognised as stale.
var jobSeq atomic.Int64

type (
	// jobLineMsg is a progress line of a running job ("waiting for Digdir…").
	jobLineMsg struct {
		id   int64
		line string
	}
	// jobDoneMsg carries a job's result, a message of the screen's own.
	jobDoneMsg struct {
		id  int64
		msg tea.Msg
	}
)

// job is network or keychain work that may take a while: it shows a
// spinner and the flow's progress lines, and Esc cancels it. Unlike task it
// has a context, because flows' network calls honour one.
type job struct {
	task
	id     int64
	cancel context.CancelFunc
	lines  <-chan string
	said   []string
}

func newJob() job { return job{task: newTask()} }

// connect readies the runtime's network (in the embedded sandbox it starts
// the simulator) on the UI goroutine, before a job needs it: Connect fills
// in rt.Env, which every render reads, so it must not run beside one.
func connect(c *common) error { return c.rt.Connect() }

// start runs work off the UI goroutine. Progress lines reach the screen
// through a channel that a listening command drains, one message each.
func (j *job) start(what string, work func(ctx context.Context, say flows.Progress) tea.Msg) tea.Cmd {
	j.stop()
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan string, 16)
	j.id, j.cancel, j.lines, j.said = jobSeq.Add(1), cancel, ch, nil
	id := j.id
	say := func(s string) {
		select {
		case ch <- s:
		case <-ctx.Done():
		}
	}
	run := func() tea.Msg {
		defer close(ch)
		defer cancel()
		return jobDoneMsg{id, work(ctx, say)}
	}
	return tea.Batch(j.task.start(what, run), listen(id, ch))
}

func listen(id int64, ch <-chan string) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return nil
		}
		return jobLineMsg{id, s}
	}
}

// stop cancels the running job; its result, if it still comes, is ignored.
func (j *job) stop() {
	if j.cancel != nil {
		j.cancel()
	}
	j.running, j.cancel, j.id = false, nil, 0
}

// update handles the job's own messages. It returns the result when msg is
// this job's, else nil, and the command to keep listening or spinning.
func (j *job) update(msg tea.Msg) (result tea.Msg, cmd tea.Cmd) {
	switch msg := msg.(type) {
	case jobLineMsg:
		if msg.id != j.id || !j.running {
			return nil, nil
		}
		j.said = append(j.said, msg.line)
		return nil, listen(j.id, j.lines)
	case jobDoneMsg:
		if msg.id != j.id || !j.running {
			return nil, nil
		}
		j.running, j.cancel = false, nil
		return msg.msg, nil
	}
	return nil, j.task.update(msg)
}

// view is the spinner, what runs, the latest progress and how to stop.
func (j *job) view(c *common) string {
	const latest = 4 // a patient proof says a line per try; older ones scroll away
	st := c.styles
	out := wrap(j.spin.View()+" "+j.what+"…", c.width)
	for _, l := range j.said[max(len(j.said)-latest, 0):] {
		out += "\n" + wrap(st.Muted.Render("  "+l), c.width)
	}
	return out + "\n\n" + st.Muted.Render("esc cancels")
}

// saidLine is the job's progress line that starts with prefix, or "": a
// result view may repeat what happened on the way (a sandbox bootstrap).
func (j *job) saidLine(prefix string) string {
	for _, l := range j.said {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
