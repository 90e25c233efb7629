"""What the engine runs for the component package (`python <this folder> <engine>`)."""

from netkit_components.provider import serve

serve()
