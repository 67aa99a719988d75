{% from './map.jinja' import local %}
{% from '../../common/common.jinja' import shared %}
{% include 'relative/sub/part.jinja' %}
relative:
  test.nop:
    - local: {{ local | json }}
    - shared_from: {{ shared['from'] }}
