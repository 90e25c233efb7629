// Command pulumi-tfgen-docker writes the docker package's schema.json and
// bridge-metadata.json (`pulumi-tfgen-docker schema --out DIR`), which
// pulumi-resource-docker embeds.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"netkit.local/toolchain/docker/info"
	"netkit.local/toolchain/docker/version"
)

func main() {
	tfgen.Main("docker", version.Version, info.Provider([]byte("{}")))
}
