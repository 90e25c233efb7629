"""What the engine runs for the component package (`python <this folder> <engine>`)."""

from components.provider import serve

serve()
