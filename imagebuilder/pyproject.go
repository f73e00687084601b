package imagebuilder

import (
	"fmt"

	"github.com/BurntSushi/toml"
)

const pyprojectGuide = "see https://packaging.python.org/en/latest/guides/writing-pyproject-toml"

// pyprojectDependencies reads [project].dependencies from the pyproject.toml
// at path, followed by the dependencies of each listed optional group that
// the file defines.
func pyprojectDependencies(path string, groups []string) ([]string, error) {
	var doc map[string]any
	if _, err := toml.DecodeFile(path, &doc); err != nil {
		return nil, fmt.Errorf("%w: pyproject.toml: %v", ErrInvalid, err)
	}
	project, ok := doc["project"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: no [project] table in pyproject.toml; %s", ErrInvalid, pyprojectGuide)
	}
	list, ok := project["dependencies"].([]any)
	if !ok {
		return nil, fmt.Errorf("%w: no [project].dependencies list in pyproject.toml; %s", ErrInvalid, pyprojectGuide)
	}
	deps, err := stringList("[project].dependencies", list)
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return deps, nil
	}
	optional := map[string]any{}
	if v, ok := project["optional-dependencies"]; ok {
		if optional, ok = v.(map[string]any); !ok {
			return nil, fmt.Errorf("%w: [project.optional-dependencies] in pyproject.toml is not a table", ErrInvalid)
		}
	}
	for _, g := range groups {
		v, ok := optional[g]
		if !ok {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: optional dependency group %q in pyproject.toml is not a list", ErrInvalid, g)
		}
		more, err := stringList("optional dependency group "+g, list)
		if err != nil {
			return nil, err
		}
		deps = append(deps, more...)
	}
	return deps, nil
}

func stringList(what string, list []any) ([]string, error) {
	out := make([]string, 0, len(list))
	for _, v := range list {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%w: %s in pyproject.toml holds %v, not a string", ErrInvalid, what, v)
		}
		out = append(out, s)
	}
	return out, nil
}
