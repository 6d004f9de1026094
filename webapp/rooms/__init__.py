"""The negotiation room of an agreed introduction: threaded messages, files, the agreed next step,
and the 保密承诺 the enterprise accepts before it reads the achievement's confidential part."""
