// Command pulumi-resource-docker is the Pulumi docker resource provider,
// bridged from the Terraform Docker provider. scripts/toolchain.sh builds it in
// a scratch copy of this module after pulumi-tfgen-docker wrote schema.json and
// bridge-metadata.json next to this file.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"netkit.local/toolchain/docker/info"
	"netkit.local/toolchain/docker/version"
)

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	tfbridge.Main("docker", version.Version, info.Provider(metadata), schema)
}
