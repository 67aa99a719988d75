include:
  - extra
pkgs:
  test.succeed_with_changes:
    - names:
      - pkg_a
      - pkg_b:
        - comment: pkg b comment
        - require:
          - test: base_thing
    - require_in:
      - test: after_pkgs
base_thing:
  test.succeed_without_changes:
    - order: 1
after_pkgs:
  test.nop: []
needs_glob_sls:
  test.nop:
    - require:
      - sls: ext*
needs_name_glob:
  test.nop:
    - require:
      - test: pkg_*
on_name_change:
  test.nop:
    - onchanges:
      - test: pkg_a
listen_by_name:
  test.succeed_without_changes:
    - listen:
      - pkg_b
use_in_source:
  test.configurable_test_state:
    - changes: False
    - comment: shared comment
    - use_in:
      - test: use_in_target
use_in_target:
  test.configurable_test_state: []
float_order:
  test.nop:
    - order: 1.5
zero_order:
  test.nop:
    - order: 0
