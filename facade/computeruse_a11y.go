package daytona

import (
	"context"
	"slices"
	"strings"

	"github.com/daytona-go/daytona/api/toolbox"
)

// Accessibility reads and drives the desktop's accessibility (AT-SPI)
// tree: the widgets of the applications that publish one (GTK
// applications, for example). Use it as sb.ComputerUse.Accessibility, after
// ComputerUse.Start. A sandbox without the accessibility bus (or before
// Start) answers ErrA11yUnavailable. An unknown node, or no application
// in scope, is ErrNotFound; a bad scope or regular expression, an action
// the node lacks or a node that refuses the focus is ErrValidation.
type Accessibility struct{ sb *Sandbox }

// AccessibilityScope selects the applications a query covers.
type AccessibilityScope string

// Accessibility scopes.
const (
	// ScopeFocused is the application with an active window, else the
	// first one registered (the default).
	ScopeFocused AccessibilityScope = "focused"
	// ScopePID is the application whose bus connection belongs to the
	// process ID given.
	ScopePID AccessibilityScope = "pid"
	// ScopeAll is every registered application, under the desktop node.
	ScopeAll AccessibilityScope = "all"
)

// AccessibilityNode is a widget.
type AccessibilityNode struct {
	// ID identifies the node for Focus, Invoke and SetValue
	// ("bus-name:object-path").
	ID          string
	Role        string // Role is the widget's AT-SPI role name, e.g. "push button".
	Name        string // Name is the widget's accessible name; empty if none.
	Description string // Description is the widget's accessible description; empty if none.
	// States are the widget's AT-SPI states in lower case with
	// underscores, e.g. "focused", "enabled", "single_line".
	States  []string
	Actions []string // Actions are the actions the widget supports (for Invoke).
	// Bounds is the node's place on the screen.
	Bounds   Region
	Children []AccessibilityNode // Children are the node's child widgets, in toolbox order.
}

func nodeFromAPI(n *toolbox.ComputeruseAccessibilityNode) AccessibilityNode {
	out := AccessibilityNode{
		ID: fromPtr(n.ID), Role: fromPtr(n.Role), Name: fromPtr(n.Name), Description: fromPtr(n.Description),
		States: slices.Clone(fromPtr(n.States)), Actions: slices.Clone(fromPtr(n.Actions)),
	}
	if b := n.Bounds; b != nil {
		out.Bounds = Region{X: fromPtr(b.X), Y: fromPtr(b.Y), Width: fromPtr(b.Width), Height: fromPtr(b.Height)}
	}
	for i := range fromPtr(n.Children) {
		out.Children = append(out.Children, nodeFromAPI(&(*n.Children)[i]))
	}
	return out
}

// AccessibilityTreeOptions tunes Accessibility.Tree.
type AccessibilityTreeOptions struct {
	// Scope selects the applications (default ScopeFocused).
	Scope AccessibilityScope
	// PID is the process for ScopePID.
	PID int
	// MaxDepth limits the levels below the root (0: no limit).
	MaxDepth int
	// RootOnly returns the root without its children.
	RootOnly bool
}

// AccessibilityTree is the result of Accessibility.Tree.
type AccessibilityTree struct {
	Root AccessibilityNode // Root is the top node of the tree.
	// Truncated reports that the toolbox cut the tree short (a walk
	// visits at most 20000 nodes).
	Truncated bool
}

func checkScope(op string, scope AccessibilityScope, pid int) (*string, *int, error) {
	switch scope {
	case "":
		return nil, nil, nil
	case ScopeFocused, ScopeAll:
		s := string(scope)
		return &s, nil, nil
	case ScopePID:
		if pid <= 0 {
			return nil, nil, invalidf("%s: ScopePID needs a PID", op)
		}
		s := string(scope)
		return &s, &pid, nil
	}
	return nil, nil, invalidf("%s: unknown Scope %q (want focused, pid or all)", op, scope)
}

// Tree returns the accessibility tree.
func (a *Accessibility) Tree(ctx context.Context, opts AccessibilityTreeOptions) (*AccessibilityTree, error) {
	const op = "Accessibility.Tree"
	scope, pid, err := checkScope(op, opts.Scope, opts.PID)
	if err != nil {
		return nil, err
	}
	if opts.MaxDepth < 0 {
		return nil, invalidf("%s: MaxDepth is negative (%d)", op, opts.MaxDepth)
	}
	params := &toolbox.GetAccessibilityTreeParams{Scope: scope, Pid: pid}
	switch {
	case opts.RootOnly:
		params.MaxDepth = new(int)
	case opts.MaxDepth > 0:
		params.MaxDepth = &opts.MaxDepth
	}
	tb, err := a.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.GetAccessibilityTreeWithResponse(ctx, params)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("/computeruse/a11y/tree", resp.Status())
	}
	out := &AccessibilityTree{Truncated: fromPtr(resp.JSON200.Truncated)}
	if resp.JSON200.Root != nil {
		out.Root = nodeFromAPI(resp.JSON200.Root)
	}
	return out, nil
}

// NameMatch says how AccessibilityQuery.Name compares; names compare
// case-sensitively.
type NameMatch string

// Name matching modes.
const (
	NameExact     NameMatch = "exact"     // NameExact matches the whole name.
	NameSubstring NameMatch = "substring" // NameSubstring matches a part of the name (the default).
	NameRegex     NameMatch = "regex"     // NameRegex matches a Go (RE2) regular expression.
)

// AccessibilityQuery selects nodes for Accessibility.Find; empty fields
// match everything.
type AccessibilityQuery struct {
	// Scope selects the applications (default ScopeFocused).
	Scope AccessibilityScope
	// PID is the process for ScopePID.
	PID  int
	Role string // Role keeps nodes with this role (compared case-insensitively).
	Name string // Name keeps nodes whose name matches it (see NameMatch).
	// NameMatch says how Name compares (NameSubstring when empty).
	NameMatch NameMatch
	// States are states every match has.
	States []string
	// Limit caps the number of matches (0: the toolbox's default, 500;
	// the toolbox caps it at 5000).
	Limit int
}

// AccessibilityMatches is the result of Accessibility.Find.
type AccessibilityMatches struct {
	// Nodes are the matching nodes in tree order (pre-order), without
	// their children.
	Nodes []AccessibilityNode
	// Truncated reports that the search stopped early: it reached Limit
	// (even if no other node would have matched), or the toolbox's cap on
	// the nodes one walk visits (20000).
	Truncated bool
}

// Find returns the nodes that match q, as a flat list.
func (a *Accessibility) Find(ctx context.Context, q AccessibilityQuery) (*AccessibilityMatches, error) {
	const op = "Accessibility.Find"
	scope, pid, err := checkScope(op, q.Scope, q.PID)
	if err != nil {
		return nil, err
	}
	switch q.NameMatch {
	case "", NameExact, NameSubstring, NameRegex:
	default:
		return nil, invalidf("%s: unknown NameMatch %q (want exact, substring or regex)", op, q.NameMatch)
	}
	if q.Limit < 0 {
		return nil, invalidf("%s: Limit is negative (%d)", op, q.Limit)
	}
	body := toolbox.FindAccessibilityNodesRequest{Scope: scope, Pid: pid}
	if q.Role != "" {
		body.Role = &q.Role
	}
	if q.Name != "" {
		body.Name = &q.Name
	}
	if q.NameMatch != "" {
		m := string(q.NameMatch)
		body.NameMatch = &m
	}
	if len(q.States) > 0 {
		states := slices.Clone(q.States)
		body.States = &states
	}
	if q.Limit > 0 {
		body.Limit = &q.Limit
	}
	tb, err := a.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.FindAccessibilityNodesWithResponse(ctx, body)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("/computeruse/a11y/find", resp.Status())
	}
	out := &AccessibilityMatches{Truncated: fromPtr(resp.JSON200.Truncated), Nodes: []AccessibilityNode{}}
	for i := range fromPtr(resp.JSON200.Matches) {
		out.Nodes = append(out.Nodes, nodeFromAPI(&(*resp.JSON200.Matches)[i]))
	}
	return out, nil
}

// checkNodeID checks the shape of a node id, "bus-name:object-path"
// (as in AccessibilityNode.ID): a non-empty bus name, then ':' and a path
// starting with '/'.
func checkNodeID(op, id string) error {
	if id == "" {
		return invalidf("%s: node id is empty", op)
	}
	if slash := strings.IndexByte(id, '/'); slash <= 1 || id[slash-1] != ':' {
		return invalidf("%s: node id %q is not bus-name:object-path", op, id)
	}
	return nil
}

// Focus moves the keyboard focus to the node id.
func (a *Accessibility) Focus(ctx context.Context, id string) error {
	if err := checkNodeID("Accessibility.Focus", id); err != nil {
		return err
	}
	return a.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.FocusAccessibilityNodeWithResponse(ctx, toolbox.AccessibilityNodeRequest{ID: id})
		return err
	})
}

// InvokeOptions tunes Accessibility.Invoke.
type InvokeOptions struct {
	// Action is the action to run (default: the node's first action).
	Action string
}

// Invoke runs an action of the node id (a button's click, say).
func (a *Accessibility) Invoke(ctx context.Context, id string, opts InvokeOptions) error {
	if err := checkNodeID("Accessibility.Invoke", id); err != nil {
		return err
	}
	tb, err := a.sb.toolboxCall(ctx)
	if err != nil {
		return err
	}
	body := toolbox.AccessibilityInvokeRequest{ID: id}
	if opts.Action != "" {
		body.Action = &opts.Action
	}
	_, err = tb.InvokeAccessibilityNodeWithResponse(ctx, body)
	return wrapErr(ctx, err)
}

// SetValue sets the text or the numeric value of the node id.
func (a *Accessibility) SetValue(ctx context.Context, id, value string) error {
	if err := checkNodeID("Accessibility.SetValue", id); err != nil {
		return err
	}
	return a.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.SetAccessibilityNodeValueWithResponse(ctx, toolbox.AccessibilitySetValueRequest{ID: id, Value: &value})
		return err
	})
}
