package daytonatest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

// handlers implements the control-plane operations the emulator supports.
// Each exported method is one operation of cpserver.StrictServerInterface
// (a test checks that); see sandboxes.go, snapshots.go, previews.go.
type handlers struct{ s *Server }

// notImplemented gives controlPlane every operation of the contract through
// a nil interface value. gate keeps requests away from it: they answer 501.
type notImplemented struct{ cpserver.StrictServerInterface }

// controlPlane is the generated strict server's implementation. The
// methods of *handlers sit one level shallower than those promoted from
// notImplemented, so they win; every other operation comes from
// notImplemented.
type controlPlane struct {
	notImplemented
	*handlers
}

var _ cpserver.StrictServerInterface = controlPlane{}

// implementedOps is the set of operations *handlers implements, by the Go
// method name the strict server passes to its middlewares.
var implementedOps = sync.OnceValue(func() map[string]bool {
	iface := reflect.TypeFor[cpserver.StrictServerInterface]()
	impl := reflect.TypeFor[*handlers]()
	ops := map[string]bool{}
	for i := range impl.NumMethod() {
		name := impl.Method(i).Name
		if _, ok := iface.MethodByName(name); ok {
			ops[name] = true
		}
	}
	return ops
})

// gate answers 501 for every operation the emulator does not implement.
func gate(f cpserver.StrictHandlerFunc, op string) cpserver.StrictHandlerFunc {
	if implementedOps()[op] {
		return f
	}
	return func(context.Context, http.ResponseWriter, *http.Request, any) (any, error) {
		return nil, errorf(http.StatusNotImplemented, "%s is not implemented by the daytonatest emulator", op)
	}
}

// newControlPlane builds the control-plane handler: the generated chi
// routes over the strict server, behind contract validation when enabled.
func (s *Server) newControlPlane() (http.Handler, error) {
	strict := cpserver.NewStrictHandlerWithOptions(
		controlPlane{handlers: &handlers{s: s}},
		[]cpserver.StrictMiddlewareFunc{gate},
		cpserver.StrictHTTPServerOptions{
			RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				writeNestError(w, r, http.StatusBadRequest, err.Error())
			},
			ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				if ae := (*apiError)(nil); !errors.As(err, &ae) {
					s.recordf("internal error serving %s %s: %v", r.Method, r.URL.Path, err)
				}
				writeErr(w, r, err)
			},
		})
	router := chi.NewRouter()
	cannot := func(w http.ResponseWriter, r *http.Request) {
		writeNestError(w, r, http.StatusNotFound, fmt.Sprintf("Cannot %s %s", r.Method, r.URL.Path))
	}
	router.NotFound(cannot)
	router.MethodNotAllowed(cannot)
	cpserver.HandlerWithOptions(strict, cpserver.ChiServerOptions{
		BaseRouter: router,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeNestError(w, r, http.StatusBadRequest, err.Error())
		},
	})
	if !s.cfg.validate {
		return router, nil
	}
	return s.cpValidator(router)
}
