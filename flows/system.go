package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/systembruker/systembruker/api/altinn"
	"github.com/systembruker/systembruker/api/altinn/systemregister"
)

// The system-register step: a system file compared field by field with
// what Altinn has, then created or replaced (PUT replaces the whole system,
// so the file is always sent whole). Nothing is written when nothing
// differs. The profile records the system id.

// SystemPlan is what applying a system file would do.
type SystemPlan struct {
	System   systemregister.System `json:"system"` // what would be sent
	Action   string                `json:"action"` // PlanCreate, PlanReplace or PlanNone
	Changes  []Change              `json:"changes"`
	Warnings []string              `json:"warnings,omitempty"`
}

// Plan actions.
const (
	PlanCreate  = "create"
	PlanReplace = "replace"
	PlanNone    = "none"
)

// Change is one field that differs: a value (Old → New), or a list's
// additions and removals.
type Change struct {
	Field   string   `json:"field"`
	Old     string   `json:"old,omitempty"`
	New     string   `json:"new,omitempty"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// ResolveSystem fills the file's defaults from the profile: the id
// ({orgno}_{name}), the vendor, the client ids, visible true.
func (r *Runtime) ResolveSystem(f *SystemFile) (systemregister.System, []string, error) {
	orgNo := r.Facts.OrgNo
	if orgNo == "" {
		return systemregister.System{}, nil, inputErrorf("the profile has no organisation number: set it with `systembruker org set ORGNO`, or run the wizard")
	}
	var warnings []string
	id := f.ID
	if id == "" {
		id = systemregister.DefaultID(orgNo, f.Name.NB)
	}
	if err := systemregister.CheckID(id, orgNo); err != nil {
		return systemregister.System{}, nil, &FileError{Path: f.path, Line: f.line("id"), Field: "id", Msg: err.Error()}
	}
	clientIDs := f.ClientIDs
	if clientIDs == nil && r.Facts.ClientID != "" {
		clientIDs = []string{r.Facts.ClientID}
	}
	if len(clientIDs) == 0 {
		warnings = append(warnings, "no client id: without one Maskinporten cannot issue system-user tokens for this system (MP-303); add client_ids, or create a client with `systembruker client create`")
	}
	visible := f.Visible == nil || *f.Visible
	s := systemregister.System{
		ID: id, Vendor: systemregister.Vendor{ID: systemregister.VendorID(orgNo)},
		Name: f.Name.Map(), Description: f.Description.Map(),
		ClientIDs: slices.Clone(clientIDs), IsVisible: &visible,
	}
	for _, u := range f.RedirectURLs {
		n, _ := systemregister.NormalizeRedirectURL(u) // checked when loaded
		s.AllowedRedirectURLs = append(s.AllowedRedirectURLs, n)
	}
	for _, urn := range f.AccessPackages {
		s.AccessPackages = append(s.AccessPackages, systemregister.AccessPackage{URN: urn})
	}
	for _, id := range f.Resources {
		s.Rights = append(s.Rights, systemregister.RightFor(id))
	}
	return s, warnings, nil
}

// PlanSystem reads the system from Altinn and compares it with the file.
// It writes nothing.
func (r *Runtime) PlanSystem(ctx context.Context, f *SystemFile) (*SystemPlan, error) {
	want, warnings, err := r.ResolveSystem(f)
	if err != nil {
		return nil, err
	}
	reg, err := r.systemRegister()
	if err != nil {
		return nil, err
	}
	have, err := reg.Get(ctx, want.ID)
	if err != nil && !systemregister.NotFound(err) {
		return nil, err
	}
	plan := &SystemPlan{System: want, Warnings: warnings}
	switch {
	case have == nil:
		plan.Action = PlanCreate
		plan.Changes = DiffSystems(&systemregister.System{}, &want)
	case have.IsDeleted:
		return nil, &FileError{Path: f.path, Line: f.line("id"), Field: "id",
			Msg: fmt.Sprintf("system %s was deleted, and the id of a deleted system can never be used again: choose another id", want.ID)}
	default:
		plan.Changes = DiffSystems(have, &want)
		plan.Action = PlanReplace
		if len(plan.Changes) == 0 {
			plan.Action = PlanNone
		}
	}
	if plan.Changes == nil {
		plan.Changes = []Change{}
	}
	return plan, nil
}

// ApplyResult is what ApplySystem did.
type ApplyResult struct {
	SystemID   string `json:"system_id"`
	Action     string `json:"action"`                // PlanCreate, PlanReplace or PlanNone
	InternalID string `json:"internal_id,omitempty"` // Altinn's GUID, on create
}

// ApplySystem carries out a plan: create or replace, or nothing at all
// when nothing differs. Either way the profile records the system id.
func (r *Runtime) ApplySystem(ctx context.Context, plan *SystemPlan) (*ApplyResult, error) {
	res := &ApplyResult{SystemID: plan.System.ID, Action: plan.Action}
	if plan.Action != PlanNone {
		reg, err := r.systemRegister()
		if err != nil {
			return nil, err
		}
		if plan.Action == PlanCreate {
			res.InternalID, err = reg.Create(ctx, plan.System)
			if err != nil {
				err = r.createdMeanwhile(ctx, reg, plan, res, err)
			}
		} else {
			err = reg.Replace(ctx, plan.System)
		}
		if err != nil {
			return nil, err
		}
	}
	if r.Facts.SystemID != plan.System.ID {
		r.Facts.SystemID = plan.System.ID
		if err := r.SaveProfile(); err != nil {
			return res, fmt.Errorf("system %s is in Altinn, but %w", plan.System.ID, err)
		}
	}
	return res, nil
}

// createdMeanwhile handles a create refused because the id is taken
// (AUTH.VLD-00002) although the plan found no system: another run created it
// since. If Altinn now has exactly the plan's system there is nothing left
// to do; otherwise the user should look at the new diff.
func (r *Runtime) createdMeanwhile(ctx context.Context, reg *systemregister.Client, plan *SystemPlan, res *ApplyResult, err error) error {
	var ae *altinn.Error
	if !errors.As(err, &ae) || !ae.HasCode("AUTH.VLD-00002") {
		return err
	}
	have, gerr := reg.Get(ctx, plan.System.ID)
	if gerr != nil || have.IsDeleted {
		return err
	}
	if len(DiffSystems(have, &plan.System)) == 0 {
		res.Action = PlanNone
		return nil
	}
	return fmt.Errorf("system %s was registered by another run while this one was planning: run `systembruker system diff` to see how it differs, then apply again", plan.System.ID)
}

// GetSystem reads one of the vendor's systems; id "" means the profile's.
func (r *Runtime) GetSystem(ctx context.Context, id string) (*systemregister.System, error) {
	if id == "" {
		id = r.Facts.SystemID
	}
	if id == "" {
		return nil, inputErrorf("no system id: pass one, or register a system with `systembruker system apply -f FILE`")
	}
	reg, err := r.systemRegister()
	if err != nil {
		return nil, err
	}
	s, err := reg.Get(ctx, id)
	if systemregister.NotFound(err) {
		return nil, inputErrorf("Altinn has no system %s for this organisation in %s: see `systembruker system list`", id, r.Env.Name)
	}
	return s, err
}

// ListSystems lists the vendor's live systems.
func (r *Runtime) ListSystems(ctx context.Context) ([]systemregister.Listed, error) {
	reg, err := r.systemRegister()
	if err != nil {
		return nil, err
	}
	return reg.List(ctx)
}

// DeleteSystem soft-deletes a system. Its id can never be used again; its
// client ids are freed. A profile that named it forgets it.
func (r *Runtime) DeleteSystem(ctx context.Context, id string) error {
	reg, err := r.systemRegister()
	if err != nil {
		return err
	}
	if err := reg.Delete(ctx, id); err != nil {
		return err
	}
	if r.Facts.SystemID == id {
		r.Facts.SystemID = ""
		return r.SaveProfile()
	}
	return nil
}

// systemRegister is a client with the profile's Altinn token for the
// system-register scope (cached like any token).
func (r *Runtime) systemRegister() (*systemregister.Client, error) {
	if err := r.Connect(); err != nil {
		return nil, err
	}
	token := func(ctx context.Context) (string, error) {
		res, err := r.Token(ctx, TokenRequest{Scopes: []string{systemregister.Scope}, Altinn: true})
		if err != nil {
			return "", err
		}
		return res.AccessToken, nil
	}
	return &systemregister.Client{API: &altinn.Client{HTTP: r.HTTP(), BaseURL: r.Env.AltinnURL, Token: token}}, nil
}
