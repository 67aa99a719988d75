#!jinja|json
{"json_state": {"test.nop": [{"name": "{{ grains.id }}"}, {"n": {{ grains.num_cpus }}}]}}
