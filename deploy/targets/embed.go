// Package targets holds the projects sundflow reports on and their
// targets, one YAML file per project (format: pkg/target and the README's
// "Targets and dashboard" section). The dashboard embeds these files and
// loads them with pkg/target at start; --targets points it at a folder
// of your own instead.
package targets

import "embed"

// FS holds every *.yaml file of this folder.
//
//go:embed *.yaml
var FS embed.FS

// Label names the folder in configuration errors.
const Label = "deploy/targets"
