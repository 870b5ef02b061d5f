package sim

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnlyCompileTakesAScenario guards "compile once": no function or method of package sim
// other than Compile has a *scenarios.Scenario parameter; every analysis is a method of the
// compiled Model.
func TestOnlyCompileTakesAScenario(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			var typ *ast.FuncType
			name := "func literal"
			switch fn := n.(type) {
			case *ast.FuncDecl:
				typ, name = fn.Type, fn.Name.Name
			case *ast.FuncLit:
				typ = fn.Type
			default:
				return true
			}
			for _, p := range typ.Params.List {
				if isScenarioPtr(p.Type) && name != "Compile" {
					t.Errorf("%s: %s takes a *scenarios.Scenario; analyse the compiled Model instead", fset.Position(n.Pos()), name)
				}
			}
			return true
		})
	}
}

func isScenarioPtr(e ast.Expr) bool {
	st, ok := e.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := st.X.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "scenarios" && sel.Sel.Name == "Scenario"
}
