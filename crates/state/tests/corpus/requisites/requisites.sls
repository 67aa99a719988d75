first:
  test.succeed_with_changes: []
second:
  test.fail_without_changes:
    - require:
      - test: first
third:
  test.succeed_without_changes:
    - require:
      - second
fourth:
  test.succeed_without_changes:
    - require:
      - third
      - first
by_name:
  test.succeed_without_changes:
    - name: the real name
needs_name:
  test.nop:
    - require:
      - test: the real name
required_in_target:
  test.nop: []
requires_in:
  test.succeed_with_changes:
    - require_in:
      - test: required_in_target
      - needs_name
any_of:
  test.nop:
    - require_any:
      - second
      - first
any_all_fail:
  test.nop:
    - require_any:
      - second
      - test: fourth
on_sls:
  test.nop:
    - require:
      - sls: other
missing:
  test.nop:
    - require:
      - test: does_not_exist
      - id: also_missing
missing_sls:
  test.nop:
    - watch:
      - sls: no.such.sls
include:
  - other
