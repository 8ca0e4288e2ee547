"""The organisation: municipality, boards, departments, processes and risk categories."""
