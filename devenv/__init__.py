"""The local environment netkit is developed and tested on, as typed Python.

It starts what `make up` and `make test` need on one machine: the Go builds of the
Pulumi toolchain and of the cluster's binaries, a Docker engine, Docker hosts in network
namespaces joined in one swarm, a Kubernetes cluster, a PostgreSQL server, and the
recovery of an interrupted `pulumi up`. The shell scripts under `scripts/` are thin entry
points into `python -m devenv`.

It is not part of the shipped wheel, and nothing of the product imports it. It may read
netkit's own constants (a fact shared by the product and the environment is written once).
The modules that build and supervise need the standard library only, so that they run
before the project's virtualenv exists.
"""
