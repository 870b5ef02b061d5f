package scenarios

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// shift records that, on one line of the interpolated text, every column at or after col (in
// characters, 1-based, in the interpolated text) sits delta characters right of where it was
// written.
type shift struct{ col, delta int }

// interpolate replaces ${NAME} and ${NAME:-default} in data with lookup(NAME) (the default when
// NAME is unset or empty); "$${" writes a literal "${". Comments (a '#' at the start of a line or
// after white space, outside quotes) are left alone. Substitution is textual and gives one
// scalar value, never structure: inside quotes the value is escaped so it stays text;
// unquoted, a value that could change the structure (a line break, a flow indicator, a
// comment, a key, a leading indicator: see notPlainScalar) is an error at the reference.
//
// It returns the new text, for each 1-based line the column shifts it made, and one *Error per
// problem (unset variable without default, malformed reference) positioned in data.
func interpolate(data []byte, lookup func(string) (string, bool), src *source) ([]byte, map[int][]shift, ErrorList) {
	if !strings.Contains(string(data), "${") {
		return data, nil, nil
	}
	var (
		out     strings.Builder
		errs    ErrorList
		shifts  map[int][]shift
		line    = 1
		col     = 1 // column in data
		outCol  = 1 // column in out
		inS     bool
		inD     bool
		comment bool
		prev    rune = '\n'
	)
	out.Grow(len(data))
	s := string(data)
	addShift := func(delta int) {
		if delta == 0 {
			return
		}
		if shifts == nil {
			shifts = map[int][]shift{}
		}
		shifts[line] = append(shifts[line], shift{col: outCol, delta: delta})
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\n' {
			out.WriteByte('\n')
			i++
			line++
			col, outCol = 1, 1
			inS, inD, comment = false, false, false
			prev = '\n'
			continue
		}
		if !comment {
			switch {
			case inD && r == '\\' && i+1 < len(s) && s[i+1] != '\n':
				// Copy the escape and the escaped character as they are.
				_, size2 := utf8.DecodeRuneInString(s[i+1:])
				out.WriteString(s[i : i+1+size2])
				i += 1 + size2
				col += 2
				outCol += 2
				prev = 'x'
				continue
			case inD && r == '"':
				inD = false
			case inS && r == '\'':
				if i+1 < len(s) && s[i+1] == '\'' { // '' is an escaped quote
					out.WriteString("''")
					i += 2
					col += 2
					outCol += 2
					continue
				}
				inS = false
			case !inS && !inD && (r == '"' || r == '\'') && startsScalar(prev):
				if r == '"' {
					inD = true
				} else {
					inS = true
				}
			case !inS && !inD && r == '#' && (prev == ' ' || prev == '\t' || prev == '\n'):
				comment = true
			}
		}
		if !comment && r == '$' && strings.HasPrefix(s[i:], "$${") {
			out.WriteString("${")
			addShift(-1)
			i += 3
			col += 3
			outCol += 2
			prev = '{'
			continue
		}
		if !comment && r == '$' && strings.HasPrefix(s[i:], "${") {
			end := strings.IndexAny(s[i+2:], "}\n")
			if end < 0 || s[i+2+end] == '\n' {
				errs = append(errs, src.errAtPos(line, col, "", "unterminated ${ (expected ${NAME} or ${NAME:-default})"))
				end = strings.IndexByte(s[i:], '\n')
				if end < 0 {
					end = len(s) - i
				}
				// Copy the rest of the line unchanged.
				out.WriteString(s[i : i+end])
				n := utf8.RuneCountInString(s[i : i+end])
				col += n
				outCol += n
				i += end
				continue
			}
			ref := s[i+2 : i+2+end]
			name, def, hasDef := strings.Cut(ref, ":-")
			written := utf8.RuneCountInString(s[i : i+3+end])
			var val string
			switch {
			case !validVarName(name):
				errs = append(errs, src.errAtPos(line, col, "", fmt.Sprintf("invalid variable reference ${%s} (expected ${NAME} or ${NAME:-default}, NAME of letters, digits and _)", ref)))
			default:
				v, ok := lookup(name)
				switch {
				case ok && (v != "" || !hasDef):
					val = v
				case hasDef:
					val = def
				default:
					errs = append(errs, src.errAtPos(line, col, "", fmt.Sprintf("variable %s is not set (give it a value or a default: ${%s:-value})", name, name)))
				}
			}
			switch {
			case strings.ContainsAny(val, "\n\r\u0085\u2028\u2029"):
				errs = append(errs, src.errAtPos(line, col, "", fmt.Sprintf("variable %s contains a line break", name)))
				val = ""
			case inD: // text in a double-quoted scalar: its quotes and backslashes are literal
				val = strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(val)
			case inS: // text in a single-quoted scalar
				val = strings.ReplaceAll(val, "'", "''")
			default:
				if why := notPlainScalar(val); why != "" {
					errs = append(errs, src.errAtPos(line, col, "", fmt.Sprintf("variable %s: its value is not a single scalar: %s, which would change the file's structure (a variable gives one value, never keys, lists or comments); quote the reference (\"${%s}\") to use the value as text", name, why, name)))
					val = ""
				}
			}
			out.WriteString(val)
			n := utf8.RuneCountInString(val)
			addShift(n - written)
			outCol += n
			col += written
			i += 3 + end
			prev = 'x'
			continue
		}
		out.WriteString(s[i : i+size])
		i += size
		col++
		outCol++
		prev = r
	}
	return []byte(out.String()), shifts, errs
}

// notPlainScalar says why v, substituted into a plain (unquoted) scalar, could change the
// structure around it ("" when it cannot): a flow indicator (, [ ] { }), a comment, a
// mapping key (": ", or ':' at the end), or a leading indicator (anchor, alias, tag, block
// scalar, sequence entry, quote, directive, reserved). The value itself is not shown: it may
// be a secret.
func notPlainScalar(v string) string {
	t := strings.TrimLeft(v, " \t")
	if t == "" {
		return ""
	}
	if i := strings.IndexAny(t, ",[]{}"); i >= 0 {
		return fmt.Sprintf("it contains %q", t[i])
	}
	if strings.Contains(t, " #") || strings.Contains(t, "\t#") || t[0] == '#' {
		return "it contains a comment (#)"
	}
	if strings.Contains(t, ": ") || strings.Contains(t, ":\t") || strings.HasSuffix(strings.TrimRight(t, " \t"), ":") {
		return "it contains a mapping key (':')"
	}
	switch c := t[0]; c {
	case '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return fmt.Sprintf("it starts with %q", c)
	case '-', '?', ':':
		if len(t) == 1 || t[1] == ' ' || t[1] == '\t' {
			return fmt.Sprintf("it starts with %q and a space", c)
		}
	}
	return ""
}

// startsScalar reports whether a quote after prev opens a quoted scalar.
func startsScalar(prev rune) bool {
	switch prev {
	case '\n', ' ', '\t', '[', '{', ',', ':', '-', '?':
		return true
	}
	return false
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
