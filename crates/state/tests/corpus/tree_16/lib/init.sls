include:
  - .one
  - lib.two
lib_0:
  test.fail_without_changes:
    - require_in:
      - lib_one_1
lib_1:
  test.nop:
    - names:
      - lib_1_x
      - lib_1_y:
        - comment: y
    - prereq:
      - main_2
lib_2:
  cmd.run:
    - name: echo lib_2
    - unless: 'true'
    - onfail:
      - lib_0
    - require_in:
      - main_0
