lib_one_0:
  test.nop:
    - watch_in:
      - lib_1
    - onfail:
      - lib_one_1
lib_one_1:
  test.nop:
    - names:
      - lib_one_1_x
      - lib_one_1_y:
        - comment: y
    - require:
      - lib_two_0
lib_one_2:
  test.succeed_without_changes:
    - listen:
      - main_0
    - onchanges_in:
      - lib_one_1
