#!/usr/bin/env bash
# Put the cluster's kubectl on PATH (devenv/kubectl_link.py): after
# `export KUBECONFIG=$(make -s kubeconfig)` a plain `kubectl get nodes` answers.
exec "$(dirname "$0")/devenv" link-kubectl "$@"
