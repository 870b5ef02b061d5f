package sim

// Operational analysis of a compiled model: the expected service demand and visits each request
// of a flow places on every station, from which the utilization law U = X·D gives utilizations
// without simulating (Lazowska et al., Quantitative System Performance, ch. 3).

// demands is, per flow, the expected demand (s) and visits per request at every station.
type demands struct {
	d      [][]float64 // flow → station → seconds per request
	visits [][]float64 // flow → station → visits per request
}

func (m *Model) demands() demands {
	out := demands{d: make([][]float64, len(m.flows)), visits: make([][]float64, len(m.flows))}
	for f, fl := range m.flows {
		d := make([]float64, len(m.stations))
		v := make([]float64, len(m.stations))
		prev := 0.0
		for i, p := range fl.progs {
			w := fl.cum[i] - prev
			prev = fl.cum[i]
			m.walk(p, 0, w, [maxDepth][]float64{}, nil, d, v, nil)
		}
		for s := range d {
			d[s] /= 1e9
		}
		out.d[f], out.visits[f] = d, v
	}
	return out
}

// pickProbs is the long-run share of requests each instance of service s receives.
func (m *Model) pickProbs(s int32) []float64 {
	sv := &m.services[s]
	p := make([]float64, len(sv.nodes))
	tot := 0.0
	for i := range p {
		w := 1.0
		if sv.policy == polLeastConn || (sv.policy == polWeighted && !sv.hasBackup) {
			w = sv.weights[i] // (with backups, weighted picks round robin over the others)
		}
		if sv.backup[i] {
			w = 0 // backup servers take no traffic while the others are up
		}
		p[i] = w
		tot += w
	}
	for i := range p {
		p[i] /= tot
	}
	return p
}

func (m *Model) mean(in *instr) float64 {
	x := 0.0
	if in.d1 >= 0 {
		x += m.dists[in.d1].mean
	}
	if in.d2 >= 0 {
		x += m.dists[in.d2].mean
	}
	return x
}

// walk accumulates the expected demand of program p from pc with probability weight w.
// slots holds the instance distribution of each pick slot; node the distribution of job.node.
func (m *Model) walk(p int32, pc int32, w float64, slots [maxDepth][]float64, node map[int]float64, d, v []float64, byS [][]float64) {
	code := m.progs[p].code
	for int(pc) < len(code) {
		in := &code[pc]
		switch in.op {
		case opEnd:
			return
		case opVisit:
			d[in.a] += w * m.mean(in)
			v[in.a] += w
		case opVisitInst:
			sv := &m.services[in.a]
			for i, pr := range slots[in.b] {
				s := m.nodeCPU[sv.nodes[i]]
				if in.b2 == 1 {
					s = m.nodeDisk[sv.nodes[i]]
				}
				d[s] += w * pr * m.mean(in)
				v[s] += w * pr
				if byS != nil {
					byS[in.a][s] += w * pr * m.mean(in)
				}
			}
		case opVisitNode:
			for n, pr := range node {
				s := m.nodeCPU[n]
				if in.b2 == 1 {
					s = m.nodeDisk[n]
				}
				d[s] += w * pr * m.mean(in)
				v[s] += w * pr
			}
		case opPick:
			slots[in.b] = m.pickProbs(in.a)
		case opBranch:
			m.walk(p, pc+1, w*in.p, slots, node, d, v, byS)
			w *= 1 - in.p
			pc = in.a
			continue
		case opJump:
			pc = in.a
			continue
		case opFork:
			for _, c := range m.forks[in.a] {
				m.walk(c, 0, w, slots, nil, d, v, byS)
			}
		case opPickCopy:
			cp := m.stores[in.a].copies[in.b]
			node = map[int]float64{}
			for _, n := range cp {
				node[n] += 1 / float64(len(cp))
			}
		case opSetNode:
			node = map[int]float64{int(in.a): 1}
		case opSetCopy:
			node = map[int]float64{m.stores[in.a].copies[in.b][in.b2]: 1}
		}
		pc++
	}
}

// serviceDemand is, per service, the demand (s per second of design load) its own handlers put on
// every station: Σ over flows of rate × demand per request (closed flows weighted 1).
func (m *Model) serviceDemand() [][]float64 {
	byS := make([][]float64, len(m.services))
	for i := range byS {
		byS[i] = make([]float64, len(m.stations))
	}
	for _, fl := range m.flows {
		w0 := fl.rate
		if fl.closed {
			w0 = 1
		}
		prev := 0.0
		d := make([]float64, len(m.stations))
		v := make([]float64, len(m.stations))
		for i, p := range fl.progs {
			w := (fl.cum[i] - prev) * w0
			prev = fl.cum[i]
			m.walk(p, 0, w, [maxDepth][]float64{}, nil, d, v, byS)
		}
	}
	return byS
}
