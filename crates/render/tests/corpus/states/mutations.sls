{% set pkgs = [] %}
{% do pkgs.append('vim') %}
{% do pkgs.extend(['git', 'curl', 'jq']) %}
{% do pkgs.insert(0, 'tmux') %}
{% set popped = pkgs.pop() %}
{% do pkgs.remove('git') %}
{% set cfg = {'a': 1} %}
{% do cfg.update({'b': 2, 'nested': {'x': 1}}) %}
{% do cfg.update(c=3) %}
{% set d = cfg.setdefault('d', []) %}
{% do d.append('via setdefault') %}
{% do cfg.setdefault('a', 99) %}
{% set alias = cfg.nested %}
{% do alias.update({'y': 2}) %}
{% set defaults = {'server': {'port': 80, 'opts': ['a']}, 'keep': True} %}
{% set over = {'server': {'port': 8080, 'opts': ['b']}} %}
{% do salt['defaults.merge'](defaults, over) %}
{% set merged = salt['slsutil.merge']({'l': [1], 'k': {'x': 1}}, {'l': [2], 'k': {'y': 2}}, merge_lists=True) %}
{% set ns = namespace(total=0) %}
{% for i in range(5) %}{% set ns.total = ns.total + i %}{% endfor %}
{% set built = {} %}
{% for k in ['one', 'two'] %}{% do built.update({k: k|upper}) %}{% endfor %}
{% set fromsplit = 'a,b'.split(',') %}
{% do fromsplit.append('c') %}
{% set counts = {} %}
{% for word in ['x', 'y', 'x'] %}
{%   do counts.update({word: counts.get(word, 0) + 1}) %}
{% endfor %}

result:
  test.nop:
    - pkgs: {{ pkgs | json }}
    - popped: {{ popped }}
    - cfg: {{ cfg | json }}
    - defaults: {{ defaults | json }}
    - merged: {{ merged | json }}
    - total: {{ ns.total }}
    - built: {{ built | json }}
    - fromsplit: {{ fromsplit | json }}
    - counts: {{ counts | json }}
    - index: {{ pkgs.index('curl') }}
    - keys: {{ cfg.keys() | list | json }}
