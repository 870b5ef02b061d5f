// Package agentpb holds the protobuf messages and gRPC service of capsim's agent traffic
// (agent.proto). The Go files are generated and committed; regenerate with
//
//	protoc --go_out=. --go_opt=paths=source_relative \
//	  --go-grpc_out=. --go-grpc_opt=paths=source_relative agent.proto
//
// run in this folder (protoc from the protobuf-compiler package, protoc-gen-go v1.36.11 and
// protoc-gen-go-grpc v1.5.1 from go install).
package agentpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative agent.proto
