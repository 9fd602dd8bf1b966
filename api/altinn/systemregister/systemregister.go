// Package systemregister is a client for Altinn's system register as a
// vendor uses it (authentication/api/v1/systemregister/vendor): register a
// system, read it and the vendor's list, replace it, change its rights or
// access packages, and delete it.
package systemregister

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/systembruker/systembruker/api/altinn"
)

// Scope is the Maskinporten scope every system-register call needs.
const Scope = "altinn:authentication/systemregister.write"

// Path is the vendor side of the system register.
const Path = "/authentication/api/v1/systemregister/vendor"

// ResourceAttrID is the only attribute id a right's resource reference may
// have (else AUTH.VLD-00009).
const ResourceAttrID = "urn:altinn:resource"

// System is a system as the vendor registers it (RegisterSystemRequest) and
// reads it back (RegisteredSystemResponse). The lists are never nil when
// sent: Altinn answers an explicit null rights list with a 500.
type System struct {
	ID                  string            `json:"id"`
	Vendor              Vendor            `json:"vendor"`
	Name                map[string]string `json:"name"`
	Description         map[string]string `json:"description"`
	Rights              []Right           `json:"rights"`
	AccessPackages      []AccessPackage   `json:"accessPackages"`
	ClientIDs           []string          `json:"clientId"`
	AllowedRedirectURLs []string          `json:"allowedRedirectUrls"`
	// IsVisible is a pointer because Altinn defaults an absent value to
	// true; a reply always has it.
	IsVisible *bool `json:"isVisible,omitempty"`
	// IsDeleted is only in replies: a deleted system is still returned.
	IsDeleted bool `json:"isDeleted,omitempty"`
}

// Vendor identifies the vendor as "0192:<orgno>".
type Vendor struct {
	Authority string `json:"authority,omitempty"` // ignored by Altinn on input, never returned
	ID        string `json:"ID"`
}

// Right grants one resource (a service in the resource registry).
type Right struct {
	Action   string         `json:"action,omitempty"`
	Resource []ResourceAttr `json:"resource"`
}

// ResourceAttr is a right's resource reference: ID is ResourceAttrID, Value the
// resource id.
type ResourceAttr struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// AccessPackage names an access package by URN.
type AccessPackage struct {
	URN string `json:"urn"`
}

// Listed is a system in the vendor's list (RegisteredSystemDTO): no client
// ids, no redirect URLs, the vendor's org number without "0192:".
type Listed struct {
	SystemID              string            `json:"systemId"`
	SystemVendorOrgNumber string            `json:"systemVendorOrgNumber"`
	SystemVendorOrgName   string            `json:"systemVendorOrgName"`
	Name                  map[string]string `json:"name"`
	Description           map[string]string `json:"description"`
	Rights                []Right           `json:"rights"`
	AccessPackages        []AccessPackage   `json:"accessPackages"`
	IsVisible             bool              `json:"isVisible"`
}

// UpdateResult is the answer to PUT and DELETE.
type UpdateResult struct {
	Succeeded bool `json:"succeeded"`
}

// Client calls the system register.
type Client struct{ API *altinn.Client }

// Create registers a system and returns Altinn's internal id for it (the
// answer is 200 with a bare JSON string, not 201).
func (c *Client) Create(ctx context.Context, s System) (string, error) {
	var internalID string
	err := c.API.Do(ctx, http.MethodPost, Path, fill(s), &internalID)
	return internalID, err
}

// Get reads one of the vendor's systems. A deleted system is returned with
// IsDeleted set; an unknown one is a 404 *altinn.Error (see NotFound).
func (c *Client) Get(ctx context.Context, id string) (*System, error) {
	var s System
	if err := c.API.Do(ctx, http.MethodGet, systemPath(id), nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// List returns the vendor's systems, deleted ones left out.
func (c *Client) List(ctx context.Context) ([]Listed, error) {
	var out []Listed
	err := c.API.Do(ctx, http.MethodGet, Path, nil, &out)
	return out, err
}

// Replace sends the whole system: whatever s leaves out is reset (rights,
// packages, client ids, redirect URLs; isVisible to true).
func (c *Client) Replace(ctx context.Context, s System) error {
	return c.update(ctx, systemPath(s.ID), fill(s))
}

// UpdateRights replaces the system's rights.
func (c *Client) UpdateRights(ctx context.Context, id string, rights []Right) error {
	if rights == nil {
		rights = []Right{}
	}
	return c.update(ctx, systemPath(id)+"/rights", rights)
}

// UpdateAccessPackages replaces the system's access packages.
func (c *Client) UpdateAccessPackages(ctx context.Context, id string, pkgs []AccessPackage) error {
	if pkgs == nil {
		pkgs = []AccessPackage{}
	}
	return c.update(ctx, systemPath(id)+"/accesspackages", pkgs)
}

// Delete soft-deletes the system: its client ids are freed, its id stays
// taken for ever.
func (c *Client) Delete(ctx context.Context, id string) error {
	var res UpdateResult
	if err := c.API.Do(ctx, http.MethodDelete, systemPath(id), nil, &res); err != nil {
		return err
	}
	return succeeded(res)
}

func (c *Client) update(ctx context.Context, path string, body any) error {
	var res UpdateResult
	if err := c.API.Do(ctx, http.MethodPut, path, body, &res); err != nil {
		return err
	}
	return succeeded(res)
}

func succeeded(res UpdateResult) error {
	if !res.Succeeded {
		return errors.New("Altinn answered 200 but did not report success (succeeded: false)")
	}
	return nil
}

// NotFound reports whether err is Altinn saying the system does not exist
// (or is another vendor's): 404 on GET.
func NotFound(err error) bool {
	var e *altinn.Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// systemPath escapes the id: it may hold any character but spaces.
func systemPath(id string) string { return Path + "/" + url.PathEscape(id) }

// fill makes nil lists empty: Altinn crashes on an explicit null list, and
// an empty list means the same as an absent one.
func fill(s System) System {
	if s.Rights == nil {
		s.Rights = []Right{}
	}
	if s.AccessPackages == nil {
		s.AccessPackages = []AccessPackage{}
	}
	if s.ClientIDs == nil {
		s.ClientIDs = []string{}
	}
	if s.AllowedRedirectURLs == nil {
		s.AllowedRedirectURLs = []string{}
	}
	return s
}
