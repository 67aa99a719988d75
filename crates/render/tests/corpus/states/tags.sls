{% load_yaml as loaded %}
key: value
list: [1, 2, {{ grains.num_cpus }}]
flag: yes
{% endload %}
{% load_json as ljson %}
{"a": [1, 2], "b": {"c": null}}
{% endload %}
{% load_text as ltext %}
some text {{ grains.host }}
{% endload %}
{% import_json 'common/data.json' as ijson %}
{% import_text 'common/note.txt' as itext %}
{% import_yaml 'common/templated.yaml' as iyaml %}
tags:
  test.nop:
    - loaded: {{ loaded | json }}
    - ljson: {{ ljson | json }}
    - ltext: {{ ltext | trim }}
    - ijson: {{ ijson | json }}
    - itext: {{ itext | trim }}
    - iyaml: {{ iyaml | json }}
