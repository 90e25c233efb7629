// Package version holds the provider version, set at link time:
// -ldflags "-X netkit.local/toolchain/docker/version.Version=5.1.0".
package version

// Version is the semver of this build, without a leading "v".
var Version = "0.0.0-dev"
