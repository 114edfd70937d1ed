// Package dataworks is localyun's DataWorks domain: workspaces owned by an
// account in a region, data sources (one canonical record per workspace,
// name and environment, whose connection properties are the 2024-05-18
// ConnectionProperties document), compute resources, resource groups with
// their workspace associations and worker pools, and the seam for
// connectivity tests (Connector). It knows nothing of HTTP or of either
// API version's wire format: package dataworksapi adapts both the
// 2020-05-18 and the 2024-05-18 APIs to it.
//
// Drive it with New and the Service's methods. Every method that acts for
// a caller takes the caller's identity and answers only within the
// caller's account: a workspace, data source or group of another account
// is reported as not existing (the gateway has already refused the call
// when RAM does not allow it; this is defense in depth). Errors are
// *apierr.Error with the codes listed in errors.go; input is validated
// before anything is written, and each change is one transaction.
//
// Secrets in connection properties (accessKey, password) are sealed with a
// key derived from the server's master key before they are stored, and
// every read the APIs make returns them masked; only Reveal, which the
// connectivity and Data Integration code calls, opens them.
//
// Reference: reference/dataworks.md §1–§2 (wire and data model), §4
// (resource groups), §6 (the cross-account limitation); docs/dataworks.md
// documents the choices made where the reference is unconfirmed.
package dataworks
