s0:
  test.succeed_without_changes:
    - order: 2
s1:
  test.succeed_without_changes:
    - names:
      - s1_a
      - s1_b
    - order: 1
    - listen_in:
      - s5
    - onfail:
      - test: s4
      - s3
s2:
  test.succeed_with_changes:
    - onfail:
      - test: s3
s3:
  test.succeed_without_changes:
    - order: -1
s4:
  test.fail_without_changes:
    - names:
      - s4_a
      - s4_b
    - failhard: True
    - require_any:
      - s0
    - listen_in:
      - s2
s5:
  test.fail_without_changes:
    - onchanges_in:
      - test: s1
      - test: s3
