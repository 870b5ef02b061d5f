package sim

import (
	"github.com/capsim/capsim/scenarios"
)

// ComponentKind is what kind of thing a Component is.
type ComponentKind string

// Component kinds: the stations and pools of the model (a result's stations and bottleneck),
// and the targets of failures.
const (
	// ComponentCPU and ComponentDisk are a node's CPU and disk stations (Node set).
	ComponentCPU  ComponentKind = "cpu"
	ComponentDisk ComponentKind = "disk"
	// ComponentStation is a plain station of a textbook model.
	ComponentStation ComponentKind = "station"
	// ComponentWorkers is the worker pool of one instance of a service (Name the service,
	// Node where the instance runs, Instance its 1-based index).
	ComponentWorkers ComponentKind = "workers"
	// ComponentConnections is a database's connection pool on one node (Name the database).
	ComponentConnections ComponentKind = "connections"
	// ComponentQueue is a queue's consumers (Name the queue).
	ComponentQueue ComponentKind = "queue"
	// ComponentNode, ComponentService, ComponentDatabase and ComponentCache are failure
	// targets: a whole node, a service (or one instance of it), a database's primary, a
	// cache's master.
	ComponentNode     ComponentKind = "node"
	ComponentService  ComponentKind = "service"
	ComponentDatabase ComponentKind = "database"
	ComponentCache    ComponentKind = "cache"
)

// Component names a part of the modelled system: a station or pool (a bottleneck) or a
// failure target. Node is the node it lives on ("" when it has none or is every node);
// Instance is the 1-based instance of a service (0: not one instance).
type Component struct {
	Kind     ComponentKind `json:"kind"`
	Name     string        `json:"name"`
	Node     string        `json:"node,omitempty"`
	Instance int           `json:"instance,omitempty"`
}

// failureTarget is the component a scenario failure hits.
func failureTarget(f scenarios.Failure) Component {
	switch {
	case f.Node != "":
		return Component{Kind: ComponentNode, Name: f.Node, Node: f.Node}
	case f.Service != "":
		return Component{Kind: ComponentService, Name: f.Service, Instance: f.Instance}
	case f.Database != "":
		return Component{Kind: ComponentDatabase, Name: f.Database}
	case f.Cache != "":
		return Component{Kind: ComponentCache, Name: f.Cache}
	}
	return Component{}
}
