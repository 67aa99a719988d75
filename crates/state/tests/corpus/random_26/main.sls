s0:
  test.fail_with_changes:
    - watch_any:
      - test: s3
      - s1
s1:
  test.fail_without_changes:
    - require:
      - s4
s2:
  test.nop:
    - onchanges_any:
      - test: s4
s3:
  test.fail_without_changes:
    - require_in:
      - s4
s4:
  test.nop:
    - failhard: True
    - onfail_all:
      - s0
      - test: s0
    - require_in:
      - test: s3
