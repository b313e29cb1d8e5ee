"""The key materials of one symmetric KMS key and the rules KMS applies to them.

Real KMS keeps every material a key ever had: the CURRENT one encrypts, NON_CURRENT ones still decrypt, and
for imported keys a material that expires or is deleted takes the whole key down until the same bytes are
imported again. Keeping these rules out of the moto glue lets them be read (and changed) in one place.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from datetime import datetime

from byok.model import ExpirationModel, ImportState, ImportType, KeyMaterialState
from byok.sandbox.faults import fault

MAX_ON_DEMAND_ROTATIONS = 25
PENDING_STATES = frozenset(
    {KeyMaterialState.PENDING_ROTATION, KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION}
)
_ID_LABEL = b"byok-sandbox/key-material-id/"


def material_id_for(key_id: str, secret: bytes) -> str:
    """KMS derives the ID from key and bytes, so re-importing the same bytes is recognised as the same material.

    Keyed by the material itself, so the ID cannot be used to test guesses of the material without the key ID
    being bound in, and two keys importing the same bytes still get different IDs.
    """
    return hmac.new(secret, _ID_LABEL + key_id.encode(), hashlib.sha256).hexdigest()


@dataclass
class Material:
    material_id: str
    state: KeyMaterialState
    secret: bytes | None = field(default=None, repr=False)
    expiration_model: ExpirationModel | None = None
    valid_to: datetime | None = None
    description: str | None = None
    rotation_date: datetime | None = None

    @property
    def import_state(self) -> ImportState:
        return ImportState.IMPORTED if self.secret is not None else ImportState.PENDING_IMPORT

    @property
    def permanent(self) -> bool:
        """Pending material is not yet bound to the key: losing it does not take the key down."""
        return self.state not in PENDING_STATES


@dataclass(frozen=True)
class ImportTerms:
    """What one ImportKeyMaterial request asked for, already validated against the API's own rules."""

    import_type: ImportType | None
    material_id: str | None
    expiration_model: ExpirationModel
    valid_to: datetime | None
    description: str | None


class KeyMaterials:
    """All materials of one key, oldest first; ``external`` keys get theirs by import, others generate them.

    A multi-Region replica with imported material (``replica``) learns which materials exist from its primary
    (``byok.sandbox.multi_region`` mirrors them here without their bytes) and takes the bytes by import.
    """

    def __init__(
        self, key_id: str, external: bool, materials: list[Material] | None = None, replica: bool = False
    ) -> None:
        self.key_id = key_id
        self.external = external
        self.is_replica = replica
        self._materials = materials or []

    @classmethod
    def generated(cls, key_id: str, secret: bytes) -> KeyMaterials:
        first = Material(material_id_for(key_id, secret), KeyMaterialState.CURRENT, secret)
        return cls(key_id, external=False, materials=[first])

    def replica(self) -> KeyMaterials:
        """A replica Region key shares generated material; imported material must be imported there too."""
        if self.external:
            return KeyMaterials(self.key_id, external=True, replica=True)
        copies = [Material(m.material_id, m.state, m.secret) for m in self._materials if m.permanent]
        return KeyMaterials(self.key_id, external=False, materials=copies)

    def entries(self) -> list[Material]:
        return list(self._materials)

    def find(self, material_id: str) -> Material | None:
        return next((m for m in self._materials if m.material_id == material_id), None)

    def current(self) -> Material | None:
        return next((m for m in self._materials if m.state is KeyMaterialState.CURRENT), None)

    def pending(self) -> Material | None:
        return next((m for m in self._materials if m.state in PENDING_STATES), None)

    def rotations(self) -> int:
        return sum(1 for m in self._materials if m.rotation_date is not None)

    def decrypting_secret(self, material_id: str) -> bytes | None:
        material = self.find(material_id)
        return material.secret if material is not None and material.permanent else None

    def earliest_valid_to(self) -> datetime | None:
        dates = [m.valid_to for m in self._materials if m.permanent and m.valid_to is not None]
        return min(dates, default=None)

    def unavailable(self, now: datetime) -> bool:
        """True while the key must be PendingImport: no material yet, or a permanent one expired or deleted."""
        self.expire(now)
        return self.current() is None or any(m.secret is None for m in self._materials if m.permanent)

    def expire(self, now: datetime) -> None:
        """KMS deletes material at ValidTo; checked lazily on every read instead of by a timer."""
        for material in list(self._materials):
            if material.valid_to is not None and material.secret is not None and material.valid_to <= now:
                self._forget(material)

    def implied_import_type(self, terms: ImportTerms) -> ImportType:
        """What the request asked for, or what KMS assumes without ImportType: the first import is new."""
        return terms.import_type or (
            ImportType.EXISTING_KEY_MATERIAL if self._materials else ImportType.NEW_KEY_MATERIAL
        )

    def resolve_import_type(self, terms: ImportTerms) -> ImportType:
        """Everything that can be refused before the import token is spent on this request."""
        import_type = self.implied_import_type(terms)
        if import_type is ImportType.NEW_KEY_MATERIAL and self.is_replica:
            raise fault("UnsupportedOperationException", "import new key material into the primary Region key")
        if import_type is ImportType.NEW_KEY_MATERIAL:
            if terms.material_id is not None:
                raise fault("ValidationException", "KeyMaterialId cannot be specified with NEW_KEY_MATERIAL")
            if self._materials:
                self._check_room_for_rotation()
        return import_type

    def _check_room_for_rotation(self) -> None:
        pending = self.pending()
        if pending is not None:
            raise fault(
                "KMSInvalidStateException",
                f"the key already has key material in {pending.state}: rotate or delete it first",
            )
        if any(m.secret is None for m in self._materials):
            raise fault(
                "KMSInvalidStateException",
                "the key has key material pending import: re-import it before adding new material",
            )
        self._check_rotation_limit()

    def _check_rotation_limit(self) -> None:
        if self.rotations() >= MAX_ON_DEMAND_ROTATIONS:
            raise fault(
                "LimitExceededException",
                f"the key has used all {MAX_ON_DEMAND_ROTATIONS} on-demand rotations",
            )

    def import_material(self, secret: bytes, import_type: ImportType, terms: ImportTerms) -> Material:
        material_id = material_id_for(self.key_id, secret)
        material = self.find(material_id)
        if import_type is ImportType.NEW_KEY_MATERIAL:
            if material is not None:
                raise fault(
                    "IncorrectKeyMaterialException",
                    "this key material is already associated with the key: import it as EXISTING_KEY_MATERIAL",
                )
            state = KeyMaterialState.PENDING_ROTATION if self._materials else KeyMaterialState.CURRENT
            material = Material(material_id, state)
            self._materials.append(material)
        elif terms.material_id not in (None, material_id) or material is None:
            raise fault(
                "IncorrectKeyMaterialException",
                "the key material does not match the KeyMaterialId or is not associated with this key",
            )
        if material.state is KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION and self.is_replica:
            material.state = KeyMaterialState.PENDING_ROTATION  # the primary follows once every replica has it
        material.secret = secret
        material.expiration_model = terms.expiration_model
        material.valid_to = terms.valid_to
        if terms.description is not None:
            material.description = terms.description
        return material

    def rotate(self, now: datetime) -> Material:
        """Imported keys promote their PENDING_ROTATION material; generated keys get fresh random material."""
        self._check_rotation_limit()
        incoming = self.pending() if self.external else self._generate()
        if incoming is None:
            raise fault(
                "KMSInvalidStateException",
                "no key material in PENDING_ROTATION: import NEW_KEY_MATERIAL before rotating",
            )
        if incoming.state is KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION:
            raise fault(
                "KMSInvalidStateException",
                f"key material {incoming.material_id} is PENDING_MULTI_REGION_IMPORT_AND_ROTATION: "
                "import it into every replica Region key before rotating",
            )
        previous = self.current()
        if previous is not None:
            previous.state = KeyMaterialState.NON_CURRENT
        incoming.state = KeyMaterialState.CURRENT
        incoming.rotation_date = now
        return incoming

    def _generate(self) -> Material:
        secret = os.urandom(32)
        material = Material(material_id_for(self.key_id, secret), KeyMaterialState.PENDING_ROTATION, secret)
        self._materials.append(material)
        return material

    def delete(self, material_id: str | None) -> Material:
        material = self.find(material_id) if material_id else self.current()
        if material is None or material.secret is None:
            raise fault("NotFoundException", f"no imported key material {material_id or '(current)'} on this key")
        self._forget(material)
        return material

    def _forget(self, material: Material) -> None:
        """Permanent material stays listed as PENDING_IMPORT; pending material is gone, except in a replica,
        where it stays known (its primary still has it) and waits for its bytes again."""
        if material.permanent:
            material.secret = None
        elif self.is_replica:
            material.secret = None
            material.state = KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION
        else:
            self._materials.remove(material)

    def mirror(self, primary: KeyMaterials) -> None:
        """Make this replica list what its primary lists, with the primary's states; its own bytes stay its own.

        A material the primary no longer has (a pending one deleted or expired there) is dropped here too; one
        the replica lacks is added without bytes, so the replica is PendingImport (permanent material) or the
        material waits in PENDING_MULTI_REGION_IMPORT_AND_ROTATION (pending material) until imported here.
        """
        own = {m.material_id: m for m in self._materials}
        mirrored = []
        for theirs in primary._materials:
            mine = own.get(theirs.material_id) or Material(
                theirs.material_id, theirs.state, description=theirs.description
            )
            if theirs.permanent:
                mine.state, mine.rotation_date = theirs.state, theirs.rotation_date
            elif mine.secret is None:
                mine.state = KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION
            else:
                mine.state = KeyMaterialState.PENDING_ROTATION
            mirrored.append(mine)
        self._materials = mirrored

    def settle_pending(self, replicas: list[KeyMaterials]) -> None:
        """A primary's pending material is PENDING_ROTATION once every replica holds its bytes, else it waits."""
        pending = self.pending()
        if pending is None:
            return
        everywhere = all((m := r.find(pending.material_id)) is not None and m.secret for r in replicas)
        waiting = KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION
        pending.state = KeyMaterialState.PENDING_ROTATION if everywhere else waiting
