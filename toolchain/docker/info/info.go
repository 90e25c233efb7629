// Package info maps the Terraform Docker provider onto the Pulumi package
// "docker", with the tokens and property names of the pulumi-docker SDKs
// (resources, data sources and the few renamed fields). It covers the bridged
// part of pulumi-docker; its native `docker.Image` (docker build) resource is
// not included.
package info

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-providers/terraform-provider-docker/shim"

	"netkit.local/toolchain/docker/version"
)

// Provider describes the bridged provider; metadata is the bridge-metadata.json
// that tfgen wrote next to schema.json ("{}" when running tfgen itself).
func Provider(metadata []byte) tfbridge.ProviderInfo {
	resources := map[string]string{
		"docker_buildx_builder": "BuildxBuilder",
		"docker_config":         "ServiceConfig",
		"docker_container":      "Container",
		"docker_image":          "RemoteImage",
		"docker_network":        "Network",
		"docker_plugin":         "Plugin",
		"docker_registry_image": "RegistryImage",
		"docker_secret":         "Secret",
		"docker_service":        "Service",
		"docker_tag":            "Tag",
		"docker_volume":         "Volume",
	}
	dataSources := map[string]string{
		"docker_image":                    "getRemoteImage",
		"docker_logs":                     "getLogs",
		"docker_network":                  "getNetwork",
		"docker_plugin":                   "getPlugin",
		"docker_registry_image":           "getRegistryImage",
		"docker_registry_image_manifests": "getRegistryImageManifests",
	}

	prov := tfbridge.ProviderInfo{
		P:           shimv2.NewProvider(shim.NewProvider(version.Version)),
		Name:        "docker",
		Version:     version.Version,
		Description: "A Pulumi package for interacting with Docker in Pulumi programs",
		Keywords:    []string{"pulumi", "docker"},
		License:     "Apache-2.0",
		Homepage:    "https://pulumi.io",
		Repository:  "https://github.com/pulumi/pulumi-docker",
		GitHubOrg:   "kreuzwerker",
		// Docs for the schema's descriptions: the assembled upstream tree
		// (scripts/toolchain.sh runs tfgen in the scratch build folder).
		UpstreamRepoPath: "upstream",
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {Default: &tfbridge.DefaultInfo{
				Value:   "unix:///var/run/docker.sock",
				EnvVars: []string{"DOCKER_HOST"},
			}},
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources:    map[string]*tfbridge.ResourceInfo{},
		DataSources:  map[string]*tfbridge.DataSourceInfo{},
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	for tf, name := range resources {
		prov.Resources[tf] = &tfbridge.ResourceInfo{Tok: tfbridge.MakeResource("docker", "index", name)}
	}
	for tf, name := range dataSources {
		prov.DataSources[tf] = &tfbridge.DataSourceInfo{Tok: tfbridge.MakeDataSource("docker", "index", name)}
	}
	container := prov.Resources["docker_container"]
	container.DeleteBeforeReplace = true
	container.Fields = map[string]*tfbridge.SchemaInfo{
		"command":           {Name: "command"},          // one command, not plural
		"networks_advanced": {Name: "networksAdvanced"}, // not pluralized upstream either
	}
	prov.Resources["docker_image"].Fields = map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}}

	prov.SetAutonaming(255, "-")

	return prov
}
