{%- set users = pillar.get('users', {}) %}
{%- macro user_state(name, data) %}
user_{{ name }}:
  user.present:
    - name: {{ name }}
    - uid: {{ data.uid }}
    - shell: {{ data.get('shell', '/bin/bash') }}
  {%- if data.groups %}
    - groups: {{ data.groups | yaml }}
  {%- else %}
    - groups: []
  {%- endif %}
{%- endmacro %}
{%- for name, data in users.items() %}
{{ user_state(name, data) }}
{%- endfor %}

all_users:
  test.nop:
    - names: {{ users | list | sort | json }}
    - count: {{ users | length }}
    - first: {{ (users | dictsort | first)[0] }}
    - loop_info:
{%- for u in users | sort %}
      - {{ loop.index }}-{{ u }}{{ '-last' if loop.last else '' }}
{%- endfor %}
