package flows

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// simSystem is the simulator's record of a system, from /sim/state.
type simSystem struct {
	ID      string `json:"id"`
	Updated string `json:"updated"`
}

func simSystems(t *testing.T, rt *Runtime) map[string]simSystem {
	t.Helper()
	var st struct {
		Systems []simSystem `json:"systems"`
	}
	control(t, rt, "GET", "/state", nil, &st)
	out := map[string]simSystem{}
	for _, s := range st.Systems {
		out[s.ID] = s
	}
	return out
}

func TestSystemApply(t *testing.T) {
	ctx := context.Background()
	h := newHome(t)
	rt := h.open()
	client := withClient(t, rt, "main").Client.ClientID
	path := writeSystemFile(t, goodSystemFile)
	f, err := LoadSystemFile(path)
	if err != nil {
		t.Fatal(err)
	}

	// First apply creates, with the defaults filled in.
	plan, err := rt.PlanSystem(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	id := rt.Facts.OrgNo + "_smart-regnskap"
	fields := []string{}
	for _, c := range plan.Changes {
		fields = append(fields, c.Field)
	}
	if plan.Action != PlanCreate || plan.System.ID != id || !slices.Equal(plan.System.ClientIDs, []string{client}) ||
		!plan.System.Visible() || len(plan.Warnings) != 0 ||
		!slices.Equal(fields, []string{"name.nb", "name.nn", "name.en", "description.nb", "description.nn", "description.en",
			"visible", "client_ids", "redirect_urls", "access_packages", "resources"}) {
		t.Fatalf("plan = %+v", plan)
	}
	// Another run plans the same create and applies second: nothing is
	// left for it to do.
	late, err := h.open().PlanSystem(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := rt.ApplySystem(ctx, plan); err != nil || res.Action != PlanCreate || res.InternalID == "" {
		t.Fatalf("apply = %+v, %v", res, err)
	}
	if res, err := h.open().ApplySystem(ctx, late); err != nil || res.Action != PlanNone {
		t.Errorf("the late run's apply = %+v, %v; want nothing to do", res, err)
	}
	if got := h.open().Facts.SystemID; got != id {
		t.Errorf("profile records system %q, want %q", got, id)
	}
	if s := h.open().Journey()[2]; s.ID != StepSystem || s.Detail != "system "+id || s.Command != "systembruker system apply -f FILE" {
		t.Errorf("journey's system step = %+v", s)
	}

	// Re-applying the same file finds nothing to do and writes nothing.
	rt = h.open()
	plan, err = rt.PlanSystem(ctx, f)
	if err != nil || plan.Action != PlanNone || len(plan.Changes) != 0 {
		t.Fatalf("second plan = %+v, %v", plan, err)
	}
	if _, err := rt.ApplySystem(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if s := simSystems(t, rt)[id]; s.Updated != "" {
		t.Errorf("a re-apply without changes wrote to Altinn (updated %s)", s.Updated)
	}

	// A changed file is a replace that names exactly what changed.
	f, err = LoadSystemFile(writeSystemFile(t, strings.Replace(goodSystemFile,
		`resources = ["ske-krav-og-betalinger"]`, `resources = ["app_demo_aarsregnskap"]`+"\nvisible = false", 1)))
	if err != nil {
		t.Fatal(err)
	}
	plan, err = rt.PlanSystem(ctx, f)
	want := []Change{{Field: "visible", Old: "true", New: "false"},
		{Field: "resources", Added: []string{"app_demo_aarsregnskap"}, Removed: []string{"ske-krav-og-betalinger"}}}
	if err != nil || plan.Action != PlanReplace || len(plan.Changes) != 2 ||
		plan.Changes[0].Old != want[0].Old || plan.Changes[0].New != want[0].New ||
		!slices.Equal(plan.Changes[1].Added, want[1].Added) || !slices.Equal(plan.Changes[1].Removed, want[1].Removed) {
		t.Fatalf("changed plan = %+v, %v", plan, err)
	}
	if _, err := rt.ApplySystem(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if s := simSystems(t, rt)[id]; s.Updated == "" {
		t.Error("the replace did not reach Altinn")
	}
	got, err := rt.GetSystem(ctx, "")
	if err != nil || got.Visible() || got.Rights[0].Resource[0].Value != "app_demo_aarsregnskap" {
		t.Errorf("GetSystem = %+v, %v", got, err)
	}

	// A deleted id can never be used again, and the plan says so.
	if err := rt.DeleteSystem(ctx, id); err != nil {
		t.Fatal(err)
	}
	if rt.Facts.SystemID != "" {
		t.Error("the profile still names the deleted system")
	}
	_, err = rt.PlanSystem(ctx, f)
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "can never be used again: choose another id") {
		t.Errorf("plan for a deleted id: %v", err)
	}
}
