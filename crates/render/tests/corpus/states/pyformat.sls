{% set name = 'web' %}
fmt:
  test.nop:
    - percent: {{ '%s-%s' % (name, grains.num_cpus) }}
    - percent_single: {{ 'host-%s' % grains.host }}
    - percent_d: '{{ '%03d' % 7 }}'
    - percent_f: {{ '%.2f' % 3.14159 }}
    - percent_dict: {{ '%(a)s/%(b)s' % {'a': 1, 'b': 2} }}
    - format: {{ '{0}:{1}'.format(name, 80) }}
    - format_kw: {{ '{n}!'.format(n=name) }}
    - format_filter: {{ '%s+%s' | format(1, 2) }}
    - split: {{ 'a.b.c'.split('.') | json }}
    - rsplit: {{ 'a.b.c'.rsplit('.', 1) | json }}
    - join: {{ '-'.join(['x', 'y']) }}
    - startswith: {{ name.startswith('we') }}
    - endswith: {{ name.endswith('x') }}
    - upper: {{ name.upper() }}
    - replace: {{ name.replace('w', 'W') }}
    - strip: '{{ '  pad  '.strip() }}'
    - zfill: '{{ '7'.zfill(3) }}'
    - title: {{ 'hello world'.title() }}
    - items: {{ {'k': 'v'}.items() | list | json }}
    - get: {{ {'k': 'v'}.get('nope', 'dflt') }}
    - concat: {{ name ~ '-' ~ 1 }}
    - list_concat: {{ ([1] + [2]) | json }}
    - slice: {{ 'abcdef'[1:3] }}
    - neg_index: {{ [1, 2, 3][-1] }}
