// Command pulumi-resource-kubernetes serves the Kubernetes provider of
// github.com/pulumi/pulumi-kubernetes/provider/v4 at the pinned commit.
// scripts/toolchain.sh builds it in a scratch copy of this folder after writing
// schema-embed.json (the provider schema with its version set) and
// terraform-mapping-embed.json next to this file.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	// version.Version is set with -ldflags -X by scripts/toolchain.sh.
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
