package push

import _ "embed"

// OpenAPI is the OpenAPI 3.0 document of the push API, served to vendors as is.
//
//go:embed openapi.yaml
var OpenAPI []byte
