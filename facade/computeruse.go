package daytona

// ComputerUse drives the sandbox's desktop (PROTOCOLS.md 9).
type ComputerUse struct{ sb *Sandbox }

func newComputerUse(sb *Sandbox) *ComputerUse { return &ComputerUse{sb: sb} }
