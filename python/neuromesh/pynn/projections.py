"""Projection: PyNN's connectors choose the connections (in Python, with PyNN's random number
generators, so a connector gives the same connections as on any backend given the same rng);
they are kept here as arrays and described to neuromesh as explicit connections
(neuromesh.FromListConnector) with the synapse type's parameters -- one core projection per
pair of populations (several for an Assembly). Weights a plastic projection has learnt are
read back from the core."""
import numpy as np
from pyNN import common
from pyNN.connectors import OneToOneConnector
from pyNN.space import Space

import neuromesh as nm

from . import simulator
from .simulator import state
from .standardmodels import STDPMechanism, StaticSynapse, TsodyksMarkramSynapse


def _roots(neurons, indices):
    """(population, indices in it) groups for `indices` into a Population, view or Assembly."""
    ids = np.asarray(neurons.all_cells, dtype=int)[np.asarray(indices, dtype=int)]
    out = []
    for pop in state.populations:
        inside = (ids >= int(pop.first_id)) & (ids <= int(pop.last_id))
        if inside.any():
            out.append((pop, inside, ids - int(pop.first_id)))
    return out


def _uniform(values, name, where):
    values = np.asarray(values, dtype=float)
    if values.size and not (values == values.flat[0]).all():
        raise nm.ConfigError(f"{where}: neuromesh takes one value of {name!r} per projection; these connections "
                             f"have {len(np.unique(values))} different values")
    return float(values.flat[0]) if values.size else None


class Connection(common.Connection):
    """One connection of a projection: its indices and attributes (PyNN units)."""

    def __init__(self, projection, k):
        self.projection, self.k = projection, k
        self.presynaptic_index = int(projection._i[k])
        self.postsynaptic_index = int(projection._j[k])

    def _get(self, name):
        return float(self.projection._current(name)[self.k])

    def _set(self, name, value):
        self.projection._attrs[name][self.k] = float(value)
        state.model_changed(f"the {name} of a connection of projection {self.projection.label!r} was set")

    weight = property(lambda self: self._get("weight"), lambda self, w: self._set("weight", w),
                      doc="The connection's weight (PyNN units); setting it changes the model.")
    delay = property(lambda self: self._get("delay"), lambda self, d: self._set("delay", d),
                     doc="The connection's delay [ms]; setting it changes the model.")

    def as_tuple(self, *attribute_names):
        """The values of the named attributes (weight, delay, indices, synapse parameters) as a tuple."""
        return tuple(getattr(self, name) if name in ("weight", "delay", "presynaptic_index", "postsynaptic_index")
                     else self._get(name) for name in attribute_names)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector, synapse_type=None, source=None,
                 receptor_type=None, space=Space(), label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population, connector, synapse_type,
                                   source, receptor_type, space, label)
        if not isinstance(self.synapse_type, (StaticSynapse, TsodyksMarkramSynapse, STDPMechanism)):
            raise NotImplementedError(f"pyNN.neuromesh: synapse type {type(self.synapse_type).__name__} is not "
                                      "available (StaticSynapse, TsodyksMarkramSynapse, STDPMechanism are)")
        self._i, self._j, self._attrs = [], [], {}
        self._parts = []  # (neuromesh projection, boolean mask of our connections) after a build
        if isinstance(connector, OneToOneConnector):
            # PyNN's generic path gives a 0-d boolean mask for a projection from one neuron, which
            # numpy >= 2.1 refuses to call nonzero() on; one-to-one needs no mask anyway.
            self._one_to_one(connector)
        else:
            connector.connect(self)
        self._i = np.concatenate(self._i).astype(int) if self._i else np.array([], dtype=int)
        self._j = np.concatenate(self._j).astype(int) if self._j else np.array([], dtype=int)
        self._attrs = {k: (np.concatenate(v) if v else np.array([])) for k, v in self._attrs.items()}
        state.model_changed(f"projection {self.label!r} was created")
        state.projections.append(self)

    def __len__(self):
        return len(self._i)

    def _one_to_one(self, connector):
        """Neuron k of pre to neuron k of post, parameters as PyNN's connectors evaluate them."""
        parameter_space = connector._parameters_from_synapse_type(self, None)
        for k in range(min(self.pre.size, self.post.size)):
            values = {name: (m.evaluate(simplify=True) if m.is_homogeneous else m[k, k])
                      for name, m in parameter_space.items()}
            self._convergent_connect(np.array([k]), k, **values)

    @property
    def connections(self):
        """The connections as PyNN Connection objects (weight and delay readable and settable)."""
        return (Connection(self, k) for k in range(len(self)))

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, location_selector=None,
                            **connection_parameters):
        if location_selector is not None:
            raise NotImplementedError("pyNN.neuromesh has point neurons only (no location_selector)")
        pre = np.atleast_1d(np.asarray(presynaptic_indices, dtype=int))
        n = len(pre)
        self._i.append(pre)
        self._j.append(np.full(n, int(postsynaptic_index)))
        for name, value in connection_parameters.items():
            self._attrs.setdefault(name, []).append(np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy())

    # -- attributes --
    def _set_attributes(self, parameter_space):
        parameter_space.evaluate()
        for name, value in parameter_space.items():
            self._attrs[name] = np.asarray(value, dtype=float)[self._i, self._j]
        state.model_changed(f"attributes {sorted(parameter_space.keys())} of projection {self.label!r} were set")

    def _current(self, name):
        """An attribute per connection; weights of a plastic projection as the core has them now."""
        if name == "presynaptic_index":
            return self._i.astype(float)
        if name == "postsynaptic_index":
            return self._j.astype(float)
        values = self._attrs[name]
        if name == "weight" and isinstance(self.synapse_type, STDPMechanism) and state.sim is not None and self._parts:
            values = values.copy()
            for part, mask in self._parts:
                learnt = part.get("weight", format="list")
                order = np.lexsort((self._attrs["delay"][mask], self._root_j[mask], self._root_i[mask]))
                where = np.flatnonzero(mask)[order]
                values[where] = [w for _, _, w in learnt]
        return values

    def _get_attributes_as_list(self, names):
        columns = [self._current(n) for n in names]
        return [tuple(row) for row in np.array(columns).T] if len(self) else []

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        out = []
        for name in names:
            values = self._current(name)
            a = np.full((self.pre.size, self.post.size), np.nan)
            if multiple_synapses in ("first", "last"):
                order = range(len(self)) if multiple_synapses == "last" else range(len(self) - 1, -1, -1)
                for k in order:
                    a[self._i[k], self._j[k]] = values[k]
            else:
                init, op = {"sum": (0.0, np.add), "min": (np.inf, np.minimum), "max": (-np.inf, np.maximum)}[multiple_synapses]
                present = np.zeros(a.shape, bool)
                present[self._i, self._j] = True
                a[present] = init
                op.at(a, (self._i, self._j), values)
            out.append(a)
        return out

    # -- neuromesh --
    def _nm_synapse(self, mask):
        where = f"projection {self.label!r}"
        syn = self.synapse_type
        value = {k: _uniform(v[mask], k, where) for k, v in self._attrs.items() if k not in ("weight", "delay")}
        if isinstance(syn, TsodyksMarkramSynapse):
            return nm.TsodyksMarkramSynapse(U=value["U"], tau_rec=value["tau_rec"], tau_facil=value["tau_facil"])
        if isinstance(syn, STDPMechanism):
            td, wd = syn.timing_dependence, syn.weight_dependence
            if type(td).__name__ != "SpikePairRule" or type(wd).__name__ not in (
                    "AdditiveWeightDependence", "MultiplicativeWeightDependence"):
                raise nm.ConfigError(f"{where}: STDPMechanism with {type(td).__name__} and {type(wd).__name__} is not "
                                     "available (SpikePairRule with Additive- or MultiplicativeWeightDependence is)")
            dependence = getattr(nm, type(wd).__name__)(w_min=value["w_min"], w_max=value["w_max"])
            timing = nm.SpikePairRule(tau_plus=value["tau_plus"], tau_minus=value["tau_minus"],
                                      A_plus=value["A_plus"], A_minus=value["A_minus"])
            return nm.STDPMechanism(timing_dependence=timing, weight_dependence=dependence,
                                    dendritic_delay_fraction=value.get("dendritic_delay_fraction", 1.0))
        return nm.StaticSynapse()

    def _build(self, net):
        self._parts = []
        self._root_i = np.zeros(len(self), dtype=int)
        self._root_j = np.zeros(len(self), dtype=int)
        if not len(self):
            return
        receptor = self.receptor_type if self.receptor_type in ("excitatory", "inhibitory") else None
        for pre, pre_mask, pre_local in _roots(self.pre, self._i):
            for post, post_mask, post_local in _roots(self.post, self._j):
                # a PointNeuron's named receptor is a port of the core's multisynapse model (composed.py)
                port = post.celltype.get_receptor_type(self.receptor_type) if hasattr(
                    post.celltype, "get_receptor_type") else None
                mask = pre_mask & post_mask
                if not mask.any():
                    continue
                self._root_i[mask], self._root_j[mask] = pre_local[mask], post_local[mask]
                rows = list(zip(pre_local[mask].tolist(), post_local[mask].tolist(),
                                self._attrs["weight"][mask].tolist(), self._attrs["delay"][mask].tolist()))
                part = net.connect(pre._nm, post._nm, nm.FromListConnector(rows), self._nm_synapse(mask),
                                   receptor=None if port else receptor, receptor_type=port)
                self._parts.append((part, mask))
