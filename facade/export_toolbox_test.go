package daytona

// NewToolboxSandbox gives the external tests a Sandbox bound to a bare
// toolbox base URL (DAYTONA_TOOLBOX_URL).
var NewToolboxSandbox = newToolboxSandbox
