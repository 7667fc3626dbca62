"""The network the pairing checkers print (stdp_pairs.py, triplet.py, delay_shift.py):
channel c of the spike_array Pre reaches synapse c of the connect `plastic` (one_to_one
onto Post[c]), and the relay neuron Post[c] fires exactly when its own spike_array Drive
makes it (one spike of Drive, `drive_delay` ms later), so every pairing is the scheduled one."""


def network(module, name, channels, pre, drive, drive_delay, plastic, records, run):
    """The model text: `module` is the std.synapses module of the plastic synapse,
    `plastic` what follows `connect plastic: Pre -> Post with `, `records` the record lines
    after `record Post.spikes`, `run` the run statement."""
    lines = "".join(f"  {r}\n" for r in records)
    return f"""import std.synapses.{module}
import std.synapses.static

neuron Relay {{
  state {{ v = 0 }}
  threshold v >= 1
  reset {{ v = 0 }}
}}

network {name} {{
  source Pre = spike_array[{channels}](times = [{pre}])
  source Drive = spike_array[{channels}](times = [{drive}])
  population Post = Relay[{channels}]
  connect Drive -> Post with static(w = 1) by one_to_one delay {drive_delay} ms onto v
  connect plastic: Pre -> Post with {plastic}
  record Post.spikes
{lines}  {run}
}}"""
