-- The software a remote server runs, from its NodeInfo (`software.name`, lowercase), learned when it first
-- follows a commune: FEP-1b12 group software (Lemmy, Mbin, PieFed…) takes a commune's relays only as
-- `Announce` of the activity, never of the object.
ALTER TABLE remote_hosts ADD COLUMN software TEXT;
