package reports

import (
	"reflect"
	"strconv"
	"strings"
)

func reflectValue(v any) reflect.Value { return reflect.ValueOf(v) }

// walkNonFinite returns the JSON path of the first non-finite float under v, or "".
func walkNonFinite(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		return walkNonFinite(v.Elem(), path)
	case reflect.Float32, reflect.Float64:
		if isBad(v.Float()) {
			return path
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if p := walkNonFinite(v.Index(i), path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			p := name
			if path != "" {
				p = path + "." + name
			}
			if q := walkNonFinite(v.Field(i), p); q != "" {
				return q
			}
		}
	}
	return ""
}
