"""The pytest plugin (``pytest11`` entry point ``lpf_contract.pytest.plugin``) and its snapshot part."""
