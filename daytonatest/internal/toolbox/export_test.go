package toolbox

// Test hooks, reachable from the external test package only.

// SetAfterResolve installs a hook that runs after a file path is resolved
// and before it is used (tests swap directories for symlinks there).
func SetAfterResolve(t *Toolbox, f func(rel string)) { t.core.fs.afterResolve = f }

// SetBeforeCopy installs a hook that runs before a bulk-download part's
// bytes are copied.
func SetBeforeCopy(t *Toolbox, f func(path string)) { t.core.fs.beforeCopy = f }
