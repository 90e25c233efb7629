"""netkit: one network model of a stack, and the analyses that read it."""
