package loadgen

import (
	"bufio"
	"strings"
	"testing"
)

func TestReadResponse(t *testing.T) {
	cases := []struct {
		name, in   string
		status     int
		keep, fail bool
		rest       string
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT", 200, true, false, "NEXT"},
		{"chunked", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=1\r\nabc\r\n0\r\nT: 1\r\n\r\nNEXT", 201, true, false, "NEXT"},
		{"close", "HTTP/1.1 500 Err\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 500, false, false, ""},
		{"http10", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, false, false, ""},
		{"no length", "HTTP/1.1 200 OK\r\n\r\nbody until close", 200, false, false, ""},
		{"204", "HTTP/1.1 204 No Content\r\n\r\nNEXT", 204, true, false, "NEXT"},
		{"garbage", "SSH-2.0-OpenSSH\r\n", 0, false, true, ""},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", 200, false, true, ""},
		{"truncated", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 200, false, true, ""},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 200, false, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(c.in))
			st, keep, err := readResponse(br)
			if (err != nil) != c.fail || st != c.status || (!c.fail && keep != c.keep) {
				t.Fatalf("status %d keep %v err %v", st, keep, err)
			}
			if !c.fail && c.keep {
				rest := make([]byte, 10)
				n, _ := br.Read(rest)
				if string(rest[:n]) != c.rest {
					t.Errorf("left %q, want %q", rest[:n], c.rest)
				}
			}
		})
	}
}

func FuzzReadResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = readResponse(bufio.NewReader(strings.NewReader(string(b))))
	})
}
