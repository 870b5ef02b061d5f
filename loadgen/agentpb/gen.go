// Package agentpb holds the protobuf messages and gRPC service of capsim's agent traffic
// (agent.proto). The Go files are generated and committed; regenerate from the repository
// root (so the descriptor is registered under its unique path loadgen/agentpb/agent.proto):
//
//	protoc --go_out=. --go_opt=paths=source_relative \
//	  --go-grpc_out=. --go-grpc_opt=paths=source_relative loadgen/agentpb/agent.proto
//
// with protoc from the protobuf-compiler package, protoc-gen-go v1.36.11 and
// protoc-gen-go-grpc v1.5.1 (go install), or `go generate ./loadgen/agentpb`.
package agentpb

//go:generate protoc -I ../.. --go_out=../.. --go_opt=paths=source_relative --go-grpc_out=../.. --go-grpc_opt=paths=source_relative loadgen/agentpb/agent.proto
