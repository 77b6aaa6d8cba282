"""lpf-contract: contract testing for LivePerson Functions lambdas."""

__version__ = "0.1.0"
