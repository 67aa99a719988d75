s0:
  test.fail_without_changes:
    - onchanges_in:
      - s1
s1:
  test.nop:
    - onfail_in:
      - test: s3
    - require_in:
      - s3
s2:
  test.fail_without_changes:
    - failhard: True
    - use:
      - s3
s3:
  test.nop:
    - order: 2
    - failhard: True
s4:
  test.fail_without_changes:
    - require_in:
      - s1
