// Command etcd runs go.etcd.io/etcd/server/v3 at the pinned release. The etcd
// module's own replace directives keep `go install` from building it directly,
// so this wrapper calls its entry point.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
