"""Write-side operations of the camera registry, one module per concern."""
