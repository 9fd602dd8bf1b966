package keystore

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A key generate that hangs in a stalled keyring and is killed there
// leaves a half-stored key. Another process (a second Store on the same
// folder and service, on the real keychain) sees it as incomplete
// everywhere, refuses its public key, keeps the name taken until
// `keys delete` cleans it up, and can then reuse the name.
func TestHalfStoredKey(t *testing.T) {
	other := newKeychainStore(t)
	stalled, err := Open(Options{Dir: other.dir, Service: other.service, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	h := hungKeychain{make(chan struct{})}
	stalled.kc = h
	done := make(chan error, 1)
	go func() { _, err := stalled.Generate("half", 2048); done <- err }()
	waitFor(t, other.metaPath("half"))

	infos, err := other.List()
	if err != nil || len(infos) != 1 || infos[0].Problem == nil || infos[0].Problem.Kind != ProblemIncomplete ||
		!strings.Contains(infos[0].Problem.Fix, "keys delete half") {
		t.Fatalf("List = %+v, %v; want half listed as incomplete with the fix", infos, err)
	}
	if _, err := other.PublicJWK("half"); !errors.Is(err, ErrIncomplete) {
		t.Errorf("PublicJWK of a half-stored key = %v, want ErrIncomplete", err)
	}
	if _, err := other.Info("half"); !errors.Is(err, ErrIncomplete) {
		t.Errorf("Info = %v, want ErrIncomplete", err)
	}
	if _, err := other.Load("half"); !errors.Is(err, ErrIncomplete) {
		t.Errorf("Load = %v, want ErrIncomplete", err)
	}
	if _, err := other.Generate("half", 2048); !errors.Is(err, ErrExists) {
		t.Errorf("Generate on the taken name = %v, want ErrExists", err)
	}
	if err := other.Delete("half"); err != nil {
		t.Fatalf("Delete of a half-stored key: %v", err)
	}
	k, err := other.Generate("half", 2048)
	if err != nil {
		t.Fatalf("the name after clean-up: %v", err)
	}

	// The stalled process wakes up after the clean-up and the reuse: it
	// must not bring its key back over the new one.
	close(h.release)
	if err := <-done; err == nil {
		t.Error("the stalled Generate succeeded after its key was deleted")
	}
	if got, err := other.Load("half"); err != nil || got.KID != k.KID {
		t.Errorf("the reused name now holds %v, %v; want the new key %s", got, err, k.KID)
	}
}

func waitFor(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s never appeared", path)
}

// One damaged key file does not hide the others; it is listed by name with
// the file at fault, and `keys delete` removes it.
func TestListWithADamagedFile(t *testing.T) {
	s := newFileStore(t)
	if _, err := s.Generate("good", 2048); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(s.dir, "broken.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	infos, err := s.List()
	if err != nil || len(infos) != 2 {
		t.Fatalf("List = %+v, %v; want both keys", infos, err)
	}
	broken, good := infos[0], infos[1]
	if good.Name != "good" || good.Problem != nil {
		t.Errorf("good = %+v", good)
	}
	if broken.Name != "broken" || broken.Problem == nil || broken.Problem.Kind != ProblemDamaged || broken.Problem.File != bad {
		t.Fatalf("broken = %+v", broken)
	}
	data, _ := json.Marshal(broken)
	if !strings.Contains(string(data), `"kind":"damaged"`) || !strings.Contains(string(data), `"file":`) {
		t.Errorf("--json form %s does not let a script see the damage", data)
	}
	if err := s.Delete("broken"); err != nil {
		t.Fatalf("Delete of a damaged key: %v", err)
	}
	if infos, _ := s.List(); len(infos) != 1 {
		t.Errorf("after delete: %+v", infos)
	}
}
