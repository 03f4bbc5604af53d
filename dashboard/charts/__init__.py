"""Chart builders: pure functions from an aggregated DataFrame to an Altair chart, one module per area."""
