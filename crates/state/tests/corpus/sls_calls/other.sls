other_state:
  cmd.run:
    - name: echo other
    - unless: 'false'
